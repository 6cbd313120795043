# The bot's image: `python -m bot serve` (web) or `python -m bot worker` (with REDIS_URL).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . && useradd --system bot
USER bot
EXPOSE 8080
CMD ["python", "-m", "bot", "serve"]
