"""The project's foundation, imported by every stage and importing none of them.

Settings and the data directory, the vocabulary of the warehouse (event kinds,
statuses, relation kinds, document types), the keys that identify a document
(number, title, text), and the project's base exception.
"""
