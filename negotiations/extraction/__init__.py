"""From an article to proposed entries (issue 17): Parley proposes, the journalist decides.

Rules, no trained model and nothing fetched: ``text`` (input, HTML through trafilatura,
paragraphs, quotes, sentences), ``actors`` (who is named where), ``statements`` (quotes
and reported speech with their speakers), ``amounts``, ``datephrases`` (resolved with
dateparser for absolute dates), ``hints``; ``pipeline`` turns an article into the API's
answer, ``service`` feeds it the record and saves what is accepted through the domain;
``api``, ``forms`` and ``admin_views`` are the two ways in. ``lexicon`` lists the words.
"""
