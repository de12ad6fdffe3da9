"""Decision exercise 01.5: a retrieval recipe (chunker, retriever, k), judged on the dev split of the qa set.

The learner names a chunker of `rag.CHUNKERS`, a retriever of `rag.RETRIEVERS` and k, the number of chunks the
reader gets. The check builds that retriever over the week-1 knowledge base (package functions, indexes cached per
chunker) and measures recall@1 on the dev questions: a gold document ranked first. It passes when the recipe is at
least as good as the course's default (`rag.DEFAULT_RECIPE`): a tie within TIE counts, since one dev question moves
recall@1 by more than 0.01. recall@1 does not depend on k; k decides how much the reader must read, and the check
reports it (answer in context, context words) next to the default's. Test numbers are never used here.
"""
from __future__ import annotations

from .checks import exercise, expect

TIE = 0.005  # a recipe may trail the default's dev recall@1 by this much and still pass (i.e. a tie passes)


@exercise("01.5", "choose your retrieval recipe",
          "Write my_recipe() returning a dict with the keys 'chunker' (a name of rag.CHUNKERS), 'retriever' (a name of "
          "rag.RETRIEVERS) and 'k' (how many chunks the reader gets, 1 to rag.MAX_K). Choose it on the dev split only. "
          f"The check measures its recall@1 on the dev questions and passes when it is at least the default recipe's "
          f"(rag.DEFAULT_RECIPE) minus {TIE}.",
          hints=("Read the dev columns of the retriever table in section 2 and of the chunking table in section 1: "
                 "which chunker and retriever put a gold document first most often on dev?",
                 "rag.score_recipe(recipe, 'dev') measures any recipe in a few seconds; try the two fusions over the "
                 "chunkers that did best on their own.",
                 "recall@1 ignores k; section 3 showed the 135M reader does best with a single short chunk. Compare "
                 "rank fusion and weighted scores over single facts and over markdown headings on dev."))
def _check_01_5(my_recipe):
    from .. import rag

    recipe = my_recipe() if callable(my_recipe) else my_recipe
    try:
        recipe = rag.normalize_recipe(recipe)
    except ValueError as err:
        raise AssertionError(str(err)) from None
    mine, default = rag.score_recipe(recipe, "dev"), rag.score_recipe(rag.DEFAULT_RECIPE, "dev")
    k = recipe["k"]
    print(f"dev recall@1: your recipe ({rag.recipe_name(recipe)}) {mine['recall@1']:.3f}, "
          f"the default ({rag.recipe_name(rag.DEFAULT_RECIPE)}) {default['recall@1']:.3f}; the reader gets "
          f"{mine['context words']:.0f} words per question (default {default['context words']:.0f}), with the "
          f"answer in them for {mine['answer in context']:.3f} of the dev questions (default {default['answer in context']:.3f})")
    expect(mine["recall@1"] >= default["recall@1"] - TIE,
           f"recipe {recipe}: dev recall@1 {mine['recall@1']:.3f}, expected at least {default['recall@1'] - TIE:.3f} "
           f"(the default recipe's {default['recall@1']:.3f} minus {TIE}); recall@{k} is {mine[f'recall@{k}']:.3f}")
