"""Jobs: café, 日本語, emoji 🚀."""
import uuid

label = "naïve — “quoted”"; job_id = str(uuid.uuid4())
