"""Jobs: café, 日本語, emoji 🚀."""
import dhruva

label = "naïve — “quoted”"; job_id = dhruva.generate()
