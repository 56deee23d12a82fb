"""The vocabularies of the data files in ``search/data``, with their labels
and detection rules: jurisdictions and their facts, document types and
topics, publishers, languages, the glossary. Ingest reads them to tag
documents; query reads them to label, filter and expand.
"""
