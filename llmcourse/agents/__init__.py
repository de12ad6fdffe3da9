"""Agents: read-only tools over the shop database and the KB, a call parser with validation, guardrails,
and a small step-synchronous tool loop (many tasks advance together, so generation runs in batches).

The model speaks one line per step, a Python-style call:  get_order("VB-10234")  or  final_answer("2647.00")

Modules: tools (the ToolBox and its argument guards), calls (parse, validate, run one call), loop (traces,
run_agents, prompts, the LLM policy), guardrails (verified answers, the attack cases), scoring (the eval
approach and trace statistics), experts (expert traces and the tool-calling adapter), injections (prompt
injections in new wordings on the agent and RAG paths).
"""
from ..domain.phrasings import EXTRA_PHRASINGS
from .calls import Call, CallError, Step, execute, observe, parse_call, validate
from .experts import (
                      agent_settings,
                      agent_training_traces,
                      encode_trace,
                      expert_trace,
                      tool_agent_adapter,
                      trace_examples,
                      train_phrasings,
                      training_traces,
)
from .guardrails import _scripted, attack_cases, run_attacks, verified
from .loop import MAX_STEPS, Trace, agent_system, kb_searcher, llm_policy, run_agents, tool_manual, trace_messages
from .scoring import agent_approach, failure_modes, majority_answerer, task_ok, valid_call_rate
from .tools import ALLOWED_TABLES, INJECTION, ToolBox, ToolError, check_sql, safe_eval, sanitize

__all__ = ["EXTRA_PHRASINGS", "Call", "CallError", "Step", "execute", "observe", "parse_call", "validate",
           "agent_settings", "agent_training_traces", "encode_trace", "expert_trace", "tool_agent_adapter",
           "trace_examples", "train_phrasings", "training_traces", "_scripted", "attack_cases", "run_attacks",
           "verified", "MAX_STEPS", "Trace", "agent_system", "kb_searcher", "llm_policy", "run_agents", "tool_manual",
           "trace_messages", "agent_approach", "failure_modes", "majority_answerer", "task_ok", "valid_call_rate", "ALLOWED_TABLES",
           "INJECTION", "ToolBox", "ToolError", "check_sql", "safe_eval", "sanitize"]
