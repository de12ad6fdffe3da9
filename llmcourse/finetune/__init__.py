"""Fine-tuning with LoRA on CPU or GPU: chat examples with label masks, a small training loop, and an adapter
cache so later notebooks load (or, when missing, train with the same code) an adapter.

Notebook 02 trains the house-style adapter and its variants; notebook 03 trains a tool-calling adapter with
`get_adapter`; notebook 04 loads the house-style and extraction adapters and trains the FT + RAG one. The pieces:

- `data`: the bare prompts, the extraction target and its parser, training examples (`encode_chat`, loss on the
  reply only) and a noisy copy of the tickets;
- `settings`: `LoraSettings` (rank, targets, layers, learning rate, steps...), the named settings of notebook 02
  and the `top_blocks` preset (all linear layers of the last blocks) of notebooks 03 and 04;
- `training`: `lora_model` wraps a fresh base model, `train` runs AdamW over length-grouped batches;
- `adapters`: the cache (`get_adapter` loads or trains), and notebook 02's two adapters for later notebooks;
- `approaches`: the tuned model and the few-shot base model as `run_eval` approaches, the extraction scorer, and
  the trivial baselines beside them (the nearest training reply, the majority category);
- `forgetting`: perplexity on held-out prose and a general-knowledge probe.
"""
from ..models import IGNORE_INDEX as IGNORE
from .adapters import (
                       adapter_dir,
                       adapter_size_mb,
                       data_fingerprint,
                       extraction_adapter,
                       get_adapter,
                       house_style_adapter,
                       load_adapter,
                       save_adapter,
)
from .approaches import (
                       EXTRACT_INSTRUCTIONS,
                       STYLE_INSTRUCTIONS,
                       extraction_approach,
                       extraction_scores,
                       fewshot_messages,
                       fewshot_style_approach,
                       first_per_category,
                       majority_extraction,
                       nearest_reply_approach,
                       nearest_training_ticket,
                       tuned_reply_approach,
)
from .data import (
                       FIELDS,
                       corrupt_tickets,
                       encode_chat,
                       extract_prompt_messages,
                       extraction_examples,
                       extraction_target,
                       parse_extraction,
                       sloppy_reply,
                       style_examples,
                       ticket_prompt_messages,
)
from .forgetting import DOC_MODULES, GENERAL_PROBE, general_ability, general_probe, perplexity, python_doc_paragraphs
from .settings import (
                       AGGRESSIVE_SETTINGS,
                       ALL_LINEAR,
                       EXTRACT_SETTINGS,
                       GENTLE_SETTINGS,
                       STYLE_SETTINGS,
                       LoraSettings,
                       top_blocks,
)
from .training import batch_order, lora_model, train
