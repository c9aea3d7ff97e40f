"""A seeded generator of kb projects of any size, for benchmarks and scale tests.

    python -m benchmarks.generate OUT_DIR --documents 5000 [--seed 1]

Documents get valid front matter drawn from the shipped taxonomy, bodies of
several sections whose words follow Zipf's law over a seeded vocabulary of
20,000 words per language (the WASH word list first, made-up words after), as
natural text does, so that index sizes and downloads mean something; links to
earlier documents
(so backlinks and link checks have work to do), and about one in ten has a
French translation. The same seed always gives the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import shutil
from pathlib import Path

import yaml

from kb.countries import country_names

REPO = Path(__file__).resolve().parent.parent
TYPES = {"case-study": "case-studies", "guideline": "guidelines", "lesson": "lessons"}
WORDS = (
    "alliance platform district municipality utility borehole handpump latrine sanitation "
    "hygiene handwashing catchment rainwater stormwater governance policy regulation budget "
    "tariff finance operator committee community household women youth school clinic market "
    "artisan mechanic supply chain spare parts monitoring indicator baseline scoring ladder "
    "visioning scenario facilitation meeting reflection documentation evidence research "
    "university ministry directorate agency assessment technology introduction pilot "
    "demonstration scaling capacity training coaching exchange visit learning action plan "
    "stakeholder analysis mobilisation initiation ownership mandate accountability service "
    "sustainability maintenance repair drought flood groundwater recharge reuse wastewater "
    "treatment sludge emptying pit tank filter pump solar rope dam spring well reservoir"
).split()
FRENCH = (
    "alliance plateforme commune district eau assainissement hygiène forage pompe latrine "
    "gouvernance politique budget comité communauté ménage femmes suivi indicateur évaluation "
    "technologie introduction recherche apprentissage acteurs concertation planification "
    "services durabilité entretien réparation ministère direction approbation critères"
).split()
#: Words per language's vocabulary, and the exponent of Zipf's law (about 1 in English).
VOCABULARY = 20_000
ZIPF = 1.07
SYLLABLES = (
    "ba be bi bo bu da de di do du fa fe fi fo ga ge go ka ke ki ko ku la le li lo lu ma me "
    "mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va "
    "ve vi vo wa we za ze zo"
).split()
ENDINGS = ("", "", "n", "r", "s", "t", "l", "m")


class Vocabulary:
    """Words drawn by Zipf's law: the n-th most frequent word about 1/n as often as the
    first. The given words take the first ranks; seeded made-up words fill the rest."""

    def __init__(self, words: list[str], size: int, seed: int) -> None:
        rng = random.Random(seed)
        known = set(words)
        self.words = list(dict.fromkeys(words))
        while len(self.words) < size:
            word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice(ENDINGS)
            if word not in known:
                known.add(word)
                self.words.append(word)
        weights = [1 / (rank**ZIPF) for rank in range(1, size + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def choices(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


HEADINGS = (
    "Context",
    "Who took part",
    "What was done",
    "Results",
    "What others can learn",
    "Steps",
    "The evidence",
    "Why it matters",
)


def sentence(rng: random.Random, words: Vocabulary) -> str:
    chosen = words.choices(rng, k=rng.randint(8, 18))
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


def paragraph(rng: random.Random, words: Vocabulary) -> str:
    return " ".join(sentence(rng, words) for _ in range(rng.randint(3, 6)))


def section_text(rng: random.Random, words: Vocabulary) -> str:
    """Two to four paragraphs: with 3 to 6 sections a body has about 800 words,
    close to the shipped knowledge base's documents (lessons ~500, cases ~1,000)."""
    return "\n\n".join(paragraph(rng, words) for _ in range(rng.randint(2, 4)))


def generate(out: Path, documents: int, seed: int = 1) -> Path:
    """Write a kb project with ``documents`` documents into ``out`` (replaced)."""
    rng = random.Random(seed)
    english = Vocabulary(WORDS, VOCABULARY, seed)
    french_words = Vocabulary(FRENCH, VOCABULARY, seed + 1)
    if out.exists():
        shutil.rmtree(out)
    content = out / "content"
    content.mkdir(parents=True)
    shutil.copy(REPO / "content" / "taxonomy.yml", content / "taxonomy.yml")
    taxonomy = yaml.safe_load((content / "taxonomy.yml").read_text(encoding="utf-8"))
    themes = list(taxonomy["themes"])
    levels = list(taxonomy["levels"])
    stakeholders = list(taxonomy["stakeholders"])
    programmes = list(taxonomy["programmes"])
    countries = ["GH", "BF", "UG", "EG", "JO", "PS", "BR", "CO", "PE", "ES"]
    (out / "mkdocs.yml").write_text(
        "site_name: Generated knowledge base\n"
        "site_url: https://wash-kb.github.io/\n"
        "theme:\n  name: material\n  font: false\n"
        "extra:\n  kb:\n    default_language: en\n",
        encoding="utf-8",
    )
    written: list[tuple[str, str]] = []  # (id, path relative to content/)
    start = dt.date(2020, 1, 1)
    for n in range(documents):
        doc_type = rng.choice(list(TYPES))
        doc_id = f"{doc_type}-{n:05d}"
        folder = TYPES[doc_type]
        translation = written and rng.random() < 0.1
        french = bool(translation)
        words = french_words if french else english
        title = " ".join(words.choices(rng, k=rng.randint(3, 7))).capitalize()
        meta: dict[str, object] = {
            "title": title,
            "type": doc_type,
            "summary": sentence(rng, words)[:280],
            "themes": rng.sample(themes, rng.randint(1, 3)),
            "levels": rng.sample(levels, rng.randint(1, 2)),
            "countries": rng.sample(countries, rng.randint(0, 2)),
            "stakeholders": rng.sample(stakeholders, rng.randint(1, 3)),
            "date": (start + dt.timedelta(days=rng.randint(0, 2000))).isoformat(),
            "authors": ["Generated Author"],
            "language": "fr" if french else "en",
            "sources": [
                {
                    "title": "Generated source",
                    "publisher": "kb",
                    "year": 2020,
                    "url": "https://wash-kb.github.io/sources/generated",
                }
            ],
        }
        if rng.random() < 0.6:
            meta["programme"] = rng.choice(programmes)
        if french:
            original = rng.choice([w for w in written if not w[0].endswith("-fr")])
            doc_id = f"{original[0]}-fr"
            if any(w[0] == doc_id for w in written):
                doc_id = f"{doc_type}-{n:05d}"
                meta["language"] = "en"
            else:
                meta["translation_of"] = original[0]
        sections = []
        for heading in rng.sample(HEADINGS, rng.randint(3, 6)):
            text = section_text(rng, words)
            if written and rng.random() < 0.5:
                target_id, target_path = rng.choice(written)
                relative = Path("..") / target_path
                text += f" See [{target_id}]({relative.as_posix()})."
            sections.append(f"## {heading}\n\n{text}\n")
        codes: list[str] = meta["countries"]  # type: ignore[assignment]
        places = [country_names(code, str(meta["language"]))[0] for code in codes]
        if places:
            # The text names the countries it is tagged with, as kb check asks.
            sections[0] = sections[0].rstrip("\n") + f" ({', '.join(places)}).\n"
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        path = f"{folder}/{doc_id}.md"
        target = content / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{front}---\n\n" + "\n".join(sections), encoding="utf-8")
        written.append((doc_id, path))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.documents, args.seed)
    print(f"wrote {args.documents} documents to {args.out}")


if __name__ == "__main__":
    main()
