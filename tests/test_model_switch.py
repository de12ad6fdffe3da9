"""The model switch, tested instead of hoped: LLMCOURSE_LLM pointed at a tiny random causal LM that shares nothing
with the default model's shape (a non-ChatML chat template, another end-of-turn token, 5 blocks instead of 30),
and every package path run on it: generation, copy-only decoding, training examples with their label masks, a
2-step LoRA on the top blocks, a 2-step agent run and the smolagents wrapper.

The tiny model is random, so its outputs are noise: the tests check that every path runs and that what the course
computes from the model (masks, layer choice, token counts) is right for *this* model, not for SmolLM2.
"""
import re

import pytest

from llmcourse import models

# A Zephyr-like template: no <|im_start|> / <|im_end|> anywhere, and turns end with <|endoftext|>.
TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|endoftext|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
DEPTH = 5


@pytest.fixture(scope="module")
def tiny_llm(tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llm")
    tok = AutoTokenizer.from_pretrained(models.converted_checkpoint())  # a real vocabulary, a new template
    tok.chat_template, tok.eos_token = TEMPLATE, "<|endoftext|>"
    config = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=DEPTH,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         tie_word_embeddings=True, eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    patch = pytest.MonkeyPatch()
    patch.setenv(models.LLM_ENV, str(folder))
    yield models.load_llm()
    patch.undo()


def test_the_switch_loads_the_tiny_model(tiny_llm):
    assert models.num_layers(tiny_llm.model) == DEPTH and models.num_layers() == DEPTH
    assert "<|im_start|>" not in tiny_llm.chat_prompt("hello", system="be brief")
    assert tiny_llm.chat_prompt("hello").endswith("<|assistant|>\n")


def test_generate_and_copy_only_decoding(tiny_llm):
    from llmcourse import rag
    from llmcourse.rag import Chunk

    out = models.generate(tiny_llm, [tiny_llm.chat_prompt("Say hello."), tiny_llm.chat_prompt("Hi")], max_new_tokens=5)
    assert len(out) == 2 and all(o["prompt_tokens"] > 3 and o["output_tokens"] >= 1 for o in out)
    source = Chunk("kb-1#0", "kb-1", "Manual", "public", "The Metro S2 battery holds 418 Wh.")
    copied = rag.generate_copy(tiny_llm, [tiny_llm.chat_prompt("How big is the battery?")], [[source]], 6)[0]
    starts = [m.start() for m in re.finditer(r"\S+", source.text)]  # a copy begins at a word of the source
    assert copied["text"] and any(source.text[i:].startswith(copied["text"]) for i in starts), copied["text"]


def _labelled_text(tok, example) -> str:
    return tok.decode([t for t, l in zip(example["input_ids"], example["labels"]) if l != models.IGNORE_INDEX])


def test_label_masks_follow_the_template(tiny_llm):
    tok = tiny_llm.tokenizer
    messages = [{"role": "system", "content": "You are the agent."}, {"role": "user", "content": "Order VB-10234?"},
                {"role": "assistant", "content": 'get_order("VB-10234")'}, {"role": "user", "content": "Result: 1"},
                {"role": "assistant", "content": 'final_answer("1")'}, {"role": "user", "content": "Result: 1"}]
    example = models.conversation_example(tok, messages, max_len=512)
    assert _labelled_text(tok, example) == 'get_order("VB-10234")<|endoftext|>final_answer("1")<|endoftext|>'
    reply = models.chat_example(tok, messages[:2], "Hi Ana,", max_len=128)
    assert _labelled_text(tok, reply) == "Hi Ana,<|endoftext|>"


def test_lora_on_the_top_blocks_trains_two_steps(tiny_llm):
    from llmcourse import finetune as ft

    settings = ft.top_blocks(steps=2, lr=1e-3, batch_size=2, max_len=64, n=2)
    model = ft.lora_model(settings)
    adapted = {int(name.split("layers.")[1].split(".")[0]) for name, p in model.named_parameters()
               if p.requires_grad and "layers." in name}
    assert adapted == set(models.top_layers(2)) == {DEPTH - 2, DEPTH - 1}
    examples = [models.chat_example(tiny_llm.tokenizer, [{"role": "user", "content": f"q{i}"}], f"a{i}", 32)
                for i in range(4)]
    stats = ft.train(model, examples, settings, tiny_llm.tokenizer.pad_token_id, progress=False)
    assert len(stats["losses"]) == 2 and all(loss == loss for loss in stats["losses"])  # two steps, no NaN
    merged = models.merge_lora(model)
    assert models.generate(tiny_llm, [tiny_llm.chat_prompt("hi")], max_new_tokens=2, model=merged)[0]["output_tokens"]


def test_agent_runs_two_steps_and_encodes_expert_traces(tiny_llm):
    from llmcourse import agents, domain

    box = agents.ToolBox(domain.connect())
    traces = agents.run_agents(agents.llm_policy(tiny_llm, agents.agent_system(box.tools)),
                               ["What does order VB-10234 cost?"], box.tools, max_steps=2)
    assert 1 <= len(traces[0].steps) <= 2 and traces[0].prompt_tokens > 0
    expert = agents.expert_trace("order_total", {"order_id": "VB-10234"}, box.tools, "What does VB-10234 cost?")
    example = agents.encode_trace(tiny_llm.tokenizer, expert, agents.agent_system(None))
    assert _labelled_text(tiny_llm.tokenizer, example) == "".join(s.output + "<|endoftext|>" for s in expert.steps)


def test_smolagents_wrapper_runs_on_the_tiny_model(tiny_llm):
    from llmcourse import agents, domain, smol

    box = agents.ToolBox(domain.connect())
    agent, engine = smol.smol_agent(tiny_llm, box.tools, mode="course", max_steps=1)
    agent.run("What does order VB-10234 cost?")
    assert engine.calls and all(p > 0 for p, _ in engine.calls)
