# One image for every application service of docker-compose.yml: the Dagster webserver, the
# Dagster daemon (which also runs the pipeline) and the marimo dashboards.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home

WORKDIR /opt/dagster/app

# Dependencies first, so that a code change does not reinstall them: the direct dependencies of
# pyproject.toml, every version pinned by requirements.lock (pip freeze of a working install).
COPY pyproject.toml requirements.lock README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.in \
    && pip install -c requirements.lock -r /tmp/requirements.in \
    && rm /tmp/requirements.in

# The project itself. Only what the services need is copied: the local virtualenv, the embedded
# database under .local/, dbt build output and landed extracts stay out of the image (extracts
# are bind-mounted at run time).
RUN useradd --create-home --uid 1000 olist
COPY --chown=olist:olist orchestration ./orchestration
COPY --chown=olist:olist dbt_project ./dbt_project
COPY --chown=olist:olist dashboards ./dashboards
COPY --chown=olist:olist data/sample ./data/sample
COPY --chown=olist:olist deploy ./deploy
# Editable, so orchestration/settings.py finds dbt_project/ and data/ next to the package
# (a regular install would move the package into site-packages, away from them).
RUN pip install -c requirements.lock --no-deps -e . \
    && mkdir -p data/landing "$DAGSTER_HOME/storage" \
    && chown -R olist:olist /opt/dagster

# The Dagster instance: storage in PostgreSQL, one run at a time (values from the environment).
COPY --chown=olist:olist deploy/dagster.yaml ${DAGSTER_HOME}/dagster.yaml

USER olist

# Parse the dbt project now (dbt parse needs no database), so the services start without it and a
# broken model fails the build instead of the first run.
RUN rm -rf dbt_project/target dbt_project/logs && python -c "import orchestration.project"

EXPOSE 3000 2718
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", "/opt/dagster/app/deploy/workspace.yaml"]
