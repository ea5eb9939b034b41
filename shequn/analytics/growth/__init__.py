"""Fission (裂变) with quality: who brought whom, and what became of the people they brought.

The seeds want growth that brings people who stay and talk, not 羊毛党 (freeloaders
who take the reward and go) and advertisers. Pure functions over polars frames
(``outcomes``, ``tree``, ``quality``, ``fraud``) do the counting; ``load`` reads
the store Arrow-native into those frames; ``summary`` puts them together for
the console, the API and the report section.
"""
