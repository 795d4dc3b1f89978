"""Install-time model training (torch, sentence-transformers); never imported when serving."""
