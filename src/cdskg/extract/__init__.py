"""Step 2 of the data flow: an article's text to typed records with their evidence.

Reading article files (``articles``), cleaning page furniture (``clean``), and finding
figures, places, periods, people and documents (``extractor`` with
``sentences``, ``figures``, ``mentions``, ``numbers``, ``periods``, ``gazetteer``, ``units``,
``locality`` (which unit each figure is about), ``thesaurus``); ``records`` are what it
hands on to :mod:`cdskg.mapping`.
Nothing here knows RDF beyond IRIs.
"""
