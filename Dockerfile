FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
RUN pip install --no-cache-dir .
COPY forms ./forms
COPY policies ./policies
COPY contract_templates ./contract_templates
# A user without privileges; the uploads and keys folders exist (theirs only, 0700) before a
# volume mounts them, so a new volume starts with that owner and mode.
RUN useradd --system --uid 10001 --home-dir /app vetting \
    && mkdir -p /var/lib/vetting/uploads /var/lib/vetting/keys /var/lib/vetting/audit \
    && chown -R vetting /var/lib/vetting \
    && chmod 700 /var/lib/vetting/uploads /var/lib/vetting/keys /var/lib/vetting/audit
USER vetting
ENV VETTING_FORMS_DIR=/app/forms \
    VETTING_POLICIES_DIR=/app/policies \
    VETTING_CONTRACT_TEMPLATES_DIR=/app/contract_templates \
    VETTING_HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["vetting", "serve"]
