"""Monthly reports: nobody needs them within the request, so they are batched."""

from flask import Blueprint, request, url_for

from reports_app.batching import submit_reports, wait_until_ended
from reports_app.llm import client

reports = Blueprint("reports", __name__)


@reports.post("/")
def create_reports():
    """Submits the batch and hands out its id at once; the client polls the status URL."""
    batch_id = submit_reports(request.get_json()["accounts"])
    status_url = url_for("reports.report_status", batch_id=batch_id)
    return {"batch_id": batch_id}, 202, {"Location": status_url}


@reports.get("/<batch_id>")
def report_status(batch_id: str):
    batch = client.messages.batches.retrieve(batch_id)
    return {"status": batch.processing_status}


@reports.post("/now")
def create_reports_now():
    """Added for a demo: the same batch, but the request waits for it to end."""
    batch_id = submit_reports(request.get_json()["accounts"])
    batch = wait_until_ended(batch_id)
    return {"batch_id": batch_id, "status": batch.processing_status}
