"""Web and worker processes sharing one Redis: the job queue (arq) and all cross-process state."""
