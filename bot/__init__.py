"""Domain and infrastructure of the BMW BKK Online-Filiale assistant.

Plain Python: nothing in this package imports Rasa, so it can be tested and
reused (CLI, benchmarks, conversation tests) without loading a model.
"""
