"""Contrastive-classification fine-tuning of the sentence encoder on CPU.

The encoder and a cosine classifier over the labels are trained together with
cross-entropy: every label is a unit vector, a text's score for a label is the scaled
cosine between the two. Serving then needs only the encoder and the label matrix, and
the same cosine geometry keeps the encoder usable for FAQ retrieval. The head starts
at the label centroids, so the first steps refine instead of search.

FAQ examples are also held near where the base model put them (``anchor_weight``):
a few hundred rule-made variants of the KB's own questions teach surface forms, not
paraphrase, and unanchored training traded the base model's sense of paraphrase for
them. Retrieval's first entry on shoppers' own wording, anchored vs not: the demo
shop's reference messages (trained on the demo KB) 0.738 -> 0.756 (base 0.738),
Kaggle dev.jsonl (trained on the Kaggle FAQ) 0.848 -> 0.882 (base 0.878); weights 5
and 20 did less on the demo shop's messages (0.751, 0.733). Intents are not
anchored: their labelled utterances are real paraphrases, and the intent benchmarks
were measured without it.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from frontdesk.adapters.embeddings.export import quiet_libraries
from frontdesk.adapters.training.examples import Example

StepCallback = Callable[[int, int, float], None]  # (done, total, loss)


@dataclass(frozen=True, slots=True)
class FinetuneParams:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 8e-5
    head_learning_rate: float = 1.6e-3
    scale: float = 20.0  # softmax temperature for cosine logits
    label_smoothing: float = 0.1
    warmup_fraction: float = 0.1
    max_tokens: int = 64
    seed: int = 0
    threads: int = 2
    # Weight of the mean cosine drift of anchored examples from their base embedding.
    anchor_weight: float = 10.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class FinetuneResult:
    model: Any  # sentence_transformers.SentenceTransformer, fp32, eval mode
    label_vectors: npt.NDArray[np.float32]  # (labels, dim), unit rows
    losses: list[float]


@dataclass(frozen=True)
class Anchors:
    vectors: Any  # torch tensor (examples, dim): each example's base embedding, unit rows
    anchored: Any  # torch bool tensor (examples,): held near its base embedding or not


def _torch() -> Any:
    return importlib.import_module("torch")


def load_encoder(source: Path, max_tokens: int) -> Any:
    quiet_libraries()
    st: Any = importlib.import_module("sentence_transformers")
    model = st.SentenceTransformer(str(source), device="cpu")
    model.max_seq_length = max_tokens
    return model


def encode(model: Any, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
    vectors = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def centroids(
    vectors: npt.NDArray[np.float32], targets: Sequence[int], n_labels: int
) -> npt.NDArray[np.float32]:
    sums = np.zeros((n_labels, vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, np.asarray(targets), vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    result: npt.NDArray[np.float32] = sums / np.maximum(norms, 1e-9)
    return result


def finetune(
    model: Any,
    examples: Sequence[Example],
    labels: Sequence[str],
    params: FinetuneParams,
    on_step: StepCallback | None = None,
    label_heads: Sequence[int] | None = None,
    anchored_labels: Sequence[bool] | None = None,
) -> FinetuneResult:
    """``label_heads`` gives each label's head (e.g. FAQ answers 0, intents 1): a text
    competes only with the labels of its own head, since "cancel my order" is both an
    FAQ question and an intent and must not be taught to be only one of them.
    ``anchored_labels`` says, per label, whether its examples are held near their base
    embedding (see the module docstring); none are by default."""
    torch = _torch()
    torch.manual_seed(params.seed)
    torch.set_num_threads(params.threads)
    rng = random.Random(params.seed)
    index = {label: i for i, label in enumerate(labels)}
    targets = [index[e.label] for e in examples]
    heads = torch.tensor(list(label_heads) if label_heads is not None else [0] * len(labels))
    # mask[i, j] is True where example i's head differs from label j's head.
    masks = heads[None, :] != heads[torch.tensor(targets)][:, None]
    base_vectors = encode(model, [e.text for e in examples])
    start = centroids(base_vectors, targets, len(labels))
    anchors = Anchors(
        torch.tensor(base_vectors),
        torch.tensor([bool(anchored_labels and anchored_labels[t]) for t in targets]),
    )
    head = torch.nn.Parameter(torch.tensor(start))
    optimiser = torch.optim.AdamW(
        [
            {"params": model.parameters(), "lr": params.learning_rate},
            {"params": [head], "lr": params.head_learning_rate},
        ],
        weight_decay=0.01,
    )
    order = list(range(len(examples)))
    per_epoch = max(1, len(order) // params.batch_size)
    total = per_epoch * params.epochs
    warmup = max(1, int(total * params.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / total)
    )
    losses: list[float] = []
    model.train()
    done = 0
    for _ in range(params.epochs):
        rng.shuffle(order)
        for start_at in range(0, per_epoch * params.batch_size, params.batch_size):
            batch = order[start_at : start_at + params.batch_size]
            loss = _step(torch, model, head, examples, targets, masks, batch, params, anchors)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            done += 1
            losses.append(float(loss.item()))
            if on_step is not None:
                on_step(done, total, losses[-1])
    model.eval()
    with torch.no_grad():
        vectors = torch.nn.functional.normalize(head, dim=-1).numpy().astype(np.float32)
    return FinetuneResult(model, vectors, losses)


def _step(
    torch: Any,
    model: Any,
    head: Any,
    examples: Sequence[Example],
    targets: Sequence[int],
    masks: Any,
    batch: Sequence[int],
    params: FinetuneParams,
    anchors: Anchors,
) -> Any:
    texts = [examples[i].text for i in batch]
    # sentence-transformers renamed tokenize to preprocess; accept both versions.
    features = (model.preprocess if hasattr(model, "preprocess") else model.tokenize)(texts)
    embedded = model(features)["sentence_embedding"]
    functional = torch.nn.functional
    unit = functional.normalize(embedded, dim=-1)
    logits = params.scale * unit @ functional.normalize(head, dim=-1).T
    rows = torch.tensor(list(batch))
    masked = masks[rows]
    log_probs = functional.log_softmax(logits.masked_fill(masked, -1e4), dim=-1)
    wanted = torch.tensor([targets[i] for i in batch])
    nll = -log_probs.gather(1, wanted[:, None])[:, 0]
    # Label smoothing over the example's own head only: masked labels are not choices.
    valid = (~masked).float()
    smooth = -(log_probs * valid).sum(-1) / valid.sum(-1)
    epsilon = params.label_smoothing
    loss = ((1.0 - epsilon) * nll + epsilon * smooth).mean()
    anchored = anchors.anchored[rows]
    if params.anchor_weight > 0 and bool(anchored.any()):
        drift = 1.0 - (unit * anchors.vectors[rows]).sum(-1)
        loss = loss + params.anchor_weight * drift[anchored].mean()
    return loss
