"""Importing the export formats back: every row checked by its entity's service, all or none.

Generic over the entity descriptions (`registry.core.entities`): an entity with a service is
importable, its rows matched and its references resolved by what its description says. The
work is split by concern: `reading` (formats and rows), `matching` (references and the
records rows stand for), `loading` (checking rows through the service), `writing` (bulk
inserts with their audit events) and `reporting` (what is said back).
"""

from registry.exports.importing.loading import (
    DERIVED,
    Importer,
    import_file,
    importable,
    importable_entity,
)
from registry.exports.importing.reading import IMPORT_MAX_BYTES, decode, format_of, read_rows
from registry.exports.importing.reporting import ImportFileError, ImportReport, Problem
from registry.exports.importing.writing import fewer_collections, larger_page_cache

__all__ = [
    "DERIVED",
    "IMPORT_MAX_BYTES",
    "ImportFileError",
    "ImportReport",
    "Importer",
    "Problem",
    "decode",
    "fewer_collections",
    "format_of",
    "import_file",
    "importable",
    "importable_entity",
    "larger_page_cache",
    "read_rows",
]
