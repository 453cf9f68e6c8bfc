"""The audits inspectors and township offices ask for before every inspection:
一户一档 completeness, the data-quality rules of the national system's data cleaning, and
(to come) the 三对照 consistency of manual, work log, archive and roster.

`facts` reads what the archive holds about each household and village, `rules` judges
those facts (one small function per rule code, registered in one table), `run` puts a
report together. Rules never read text: reading belongs to `facts`.
"""
