FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# PgBouncer: docker-compose's `pgbouncer` service runs it from this image (scripts/pgbouncer_conf.py).
RUN apt-get update && apt-get install -y --no-install-recommends pgbouncer \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "controlroom.asgi:application"]
