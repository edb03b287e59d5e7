"""The application: routers mounted on one FastAPI app."""

from fastapi import FastAPI

from app.routes import answers, chat, classify, extract, summaries

app = FastAPI(title="Chat service", version="1.4.0")
app.include_router(chat.router)
app.include_router(extract.router)
app.include_router(classify.router)
app.include_router(summaries.router)
app.include_router(answers.router)


@app.get("/healthz")
async def health() -> dict:
    return {"ok": True}
