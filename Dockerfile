FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
RUN pip install --no-cache-dir .
COPY forms ./forms
COPY policies ./policies
COPY contract_templates ./contract_templates
ENV VETTING_FORMS_DIR=/app/forms \
    VETTING_POLICIES_DIR=/app/policies \
    VETTING_CONTRACT_TEMPLATES_DIR=/app/contract_templates \
    VETTING_HOST=0.0.0.0
EXPOSE 8000
CMD ["vetting", "serve"]
