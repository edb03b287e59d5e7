"""Monthly account reports go through the Message Batches API: half the price."""

import time

from reports_app.llm import MODEL, client


def submit_reports(accounts: list[dict]) -> str:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": account["id"],
                "params": {
                    "model": MODEL,
                    "max_tokens": 2000,
                    "messages": [{"role": "user", "content": f"Monthly report: {account}"}],
                },
            }
            for account in accounts
        ]
    )
    return batch.id


def wait_until_ended(batch_id: str):
    while True:
        batch = client.messages.batches.retrieve(batch_id)
        if batch.processing_status == "ended":
            return batch
        time.sleep(30)
