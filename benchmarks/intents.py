"""Intent matcher speed: median microseconds per question, with the typo cache cold and warm."""

from __future__ import annotations

import statistics
import time

from bot import intents

QUESTIONS = [
    "quanto ho consumato ieri?",
    "how much did the dishwasher use last month?",
    "sto consumando più dei miei vicini questa settimana?",
    "when is it green today?",
    "qaunto ho consumto la settimana scrosa",
    "how much did the dishwaser use yesterdy",
    "quale elettrodomestico consuma di più?",
    "at what time do I use the most electricity?",
    "⚡ quanto sto consumando adesso? ⚡",
    "consigli per risparmiare sulla bolletta",
    "andamento degli ultimi 12 mesi per fascia F1 F2 F3",
    "when should I run the washing machine?",
    "ciao",
    "what's the weather",
]
_KEYWORDS = ["consumato", "settimana", "yesterday", "dishwasher", "lavastoviglie", "frigorifero"]
_KEYWORDS += ["neighbours", "abitudini"]
LONG = {
    "5,000 letters in words": "zxcvbnm " * 625,
    "5,000 letters in one word": "q" * 5000,
    "5,000 mixed characters": ("abc àèì 😀 ,.;-_ 123 " * 250)[:5000],
    # Worst case: every word is one typo away from a keyword, so each one is looked up fuzzily.
    "40 misspelt keywords": " ".join(word[:-1] + "x" for word in _KEYWORDS * 5),
}


def _median_us(texts: list[str], rounds: int, *, cold: bool) -> float:
    samples = []
    for _ in range(rounds):
        for text in texts:
            if cold:
                intents._known.cache_clear()
            start = time.perf_counter_ns()
            intents.match(text)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


def main() -> None:
    intents.match("warm up the imports")
    cold = _median_us(QUESTIONS, 50, cold=True)
    warm = _median_us(QUESTIONS, 200, cold=False)
    print(
        f"questions: {len(QUESTIONS)}; median per match: cold cache {cold:.1f} us, warm {warm:.1f} us"
    )
    for name, text in LONG.items():
        print(f"{name}: median {_median_us([text], 50, cold=True):.1f} us (cold cache)")


if __name__ == "__main__":
    main()
