"""Build small lists in the real README's shape, for rule tests."""

from __future__ import annotations

from bot.awesome.facts import Citation, Facts

CRITERIA = """## Awesome list criteria

1. A list of **top 100 deep learning papers** published from 2012 to 2016 is suggested.

- **< 6 months** : can be added to *New Papers* section by discussion
- **2016** :  +30 citations (Bold +60)
- **2015** :  +100 citations (Bold +200)
- **2014** :  +200 citations (Bold +400)
- **2013** :  +300 citations (Bold +600)
- **2012** :  +400 citations (Bold +800)
- **~2011** : can be added to *Old Papers* section by discussion
"""

TOC = """## Table of Contents

* [Vision](#vision)
* [Language](#language)

*(More than Top 100)*

* [New Papers](#new-papers)
* [Old Papers](#old-papers)
* [More than Top 100](#more-than-top-100)
"""

GAN = ("- Generative adversarial nets (2014), I. Goodfellow et al. "
       "[[pdf]](http://papers.nips.cc/paper/5423-generative-adversarial-nets.pdf)")
RESNET = ("- Deep residual learning for image recognition (2016), K. He et al. "
          "[[pdf]](http://arxiv.org/pdf/1512.03385)")
ADAM = "- Adam: A method for stochastic optimization (2014), D. Kingma and J. Ba " \
       "[[pdf]](http://arxiv.org/pdf/1412.6980)"
BATCHNORM = ("- Batch normalization: Accelerating deep network training (2015), S. Ioffe and "
             "C. Szegedy [[pdf]](http://arxiv.org/pdf/1502.03167)")
SEQ2SEQ = ("- Sequence to sequence learning with neural networks (2014), I. Sutskever et al. "
           "[[pdf]](http://papers.nips.cc/paper/5346-sequence-to-sequence-learning.pdf)")
GLOVE = ("- Glove: Global vectors for word representation (2014), J. Pennington et al. "
         "[[pdf]](http://anthology.aclweb.org/D/D14/D14-1162.pdf)")
LSTM = ("- Long short-term memory (1997), S. Hochreiter and J. Schmidhuber. "
        "[[pdf]](http://www.mitpressjournals.org/doi/pdfplus/10.1162/neco.1997.9.8.1735)")
WGAN = "- Wasserstein GAN (2017), M. Arjovsky et al. [[pdf]](https://arxiv.org/pdf/1701.07875v1)"


def make_list(vision: list[str] | None = None, language: list[str] | None = None,
              new: list[str] | None = None, old: list[str] | None = None,
              appendix: list[str] | None = None) -> str:
    """A README in the list's shape with the given entry lines."""
    parts = ["# Awesome - Most Cited Deep Learning Papers", "", CRITERIA, TOC, "* * *", ""]
    for title, lines in (("Vision", vision), ("Language", language), ("New Papers", new),
                         ("Old Papers", old), ("More than Top 100", appendix)):
        parts.append(f"### {title}")
        parts.extend(lines or [])
        parts.append("")
    parts += ["## License", "", "CC0"]
    return "\n".join(parts) + "\n"


BASE = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM])


def facts(**counts: int) -> Facts:
    """Facts with citation counts keyed like `arxiv_1512_03385=5000` or `title_...`."""
    table = {}
    for key, n in counts.items():
        kind, _, rest = key.partition("_")
        ident = rest.replace("_", ".") if kind == "arxiv" else rest.replace("_", " ")
        table[f"{kind}:{ident}"] = Citation(n, "Semantic Scholar",
                                            "https://www.semanticscholar.org/paper/x")
    return Facts(citations=table)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    for n, ln in enumerate(text.split("\n"), start=1):
        if needle in ln:
            return n
    raise AssertionError(f"{needle!r} not in text")
