"""Build the project's own spaCy pipeline for Rasa's SpacyNLP.

No official English model can be downloaded on our machines, so we build one:
``spacy.blank("en")`` plus a lookup lemmatizer whose table comes from Explosion's
``spacy-lookups-data``. ``nlp.initialize()`` copies the table into the pipeline,
so ``spacy-lookups-data`` is needed only here, at build time.

Usage: python setup/build_spacy.py OUTPUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy


def build(output: Path) -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "faq_en"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English tokenizer with a lookup lemmatizer"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return nlp


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    nlp = build(out)
    sample = "Koreans were deported and are speaking"
    lemmas = " ".join(t.lemma_ for t in nlp(sample))
    print(f"spaCy pipeline written to {out} ({sample!r} -> {lemmas!r})")


if __name__ == "__main__":
    main()
