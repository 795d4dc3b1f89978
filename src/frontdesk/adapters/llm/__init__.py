"""The optional language-model path: an OpenAI-compatible client, answer writing from
retrieved entries, fine-tuning jobs and the price table. Off unless
FRONTDESK_LLM_PROVIDER=openai; the only place the ``openai`` package is imported."""
