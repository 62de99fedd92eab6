# One image for every process of the production profile: Rasa, the action server, the web
# process and the retention job (docker-compose.yml and deploy/k8s/ choose the command).
# The model is trained while the image is built, so every replica serves the same model
# and code and model always match; nothing is trained or downloaded when a container starts.
#
#   docker build -t online-filiale-chat .

# The widget's browser dependencies, exactly as package-lock.json pins them (no dev tools).
FROM node:22-bookworm-slim AS widget
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Python 3.10 (Rasa 3.6 supports nothing newer) with the pinned dependencies, as `make setup` installs them.
FROM python:3.10-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
WORKDIR /app
COPY requirements.txt requirements.lock ./
RUN python -m pip install "pip==24.0" \
 && python -m pip install -r requirements.txt -c requirements.lock

# Training: only the model's inputs (scripts/train-if-changed.sh lists them), so a change
# elsewhere (actions, web process, deployment files) reuses the cached model layer.
FROM base AS model
COPY config.yml domain.yml ./
COPY data/ data/
COPY addons/ addons/
COPY bot/ bot/
RUN python -m rasa train --fixed-model-name current --out models

FROM base AS runtime
# An unprivileged user; the application files stay root's and read-only. Rasa, Keras and
# matplotlib write a little to $HOME (an emptyDir in deploy/k8s/), the model is unpacked to /tmp.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app
COPY . .
COPY --from=widget /app/node_modules/ node_modules/
COPY --from=model /app/models/current.tar.gz models/current.tar.gz
USER 10001:10001
ENV HOME=/home/app
# Rasa (REST and socket.io), the action server, the web process.
EXPOSE 5005 5055 8000
CMD ["python", "-m", "bot", "--help"]
