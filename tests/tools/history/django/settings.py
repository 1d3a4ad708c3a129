# Minimal Django settings for the history check: one app, the database from the environment.
import os

SECRET_KEY = "history-check-only"
USE_TZ = True
INSTALLED_APPS = ["shop"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DJANGO_DB"],
        "HOST": "127.0.0.1",
        "PORT": os.environ["PGPORT"],
        "USER": "postgres",
    }
}
