# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.prod
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY config ./config
COPY core ./core
COPY accounts ./accounts
COPY fleet ./fleet
COPY repairs ./repairs
COPY staff ./staff
COPY students ./students
COPY forecasting ./forecasting
COPY portal ./portal
COPY demo ./demo
COPY notifications ./notifications
COPY templates ./templates
COPY static ./static
COPY manage.py ./

RUN pip install --no-cache-dir -c requirements.lock . \
    && DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 fleetdesk \
    && mkdir -p /app/media && chown fleetdesk /app/media
USER fleetdesk

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
