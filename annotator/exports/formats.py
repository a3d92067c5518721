"""Every export format by its ``format=`` name."""

from .base import Format
from .brat import Brat
from .conll import Conll
from .csvfile import Csv
from .docbin import SpacyDocBin
from .doccano import Doccano
from .hf import Hf
from .jsonl import Jsonl

FORMATS: dict[str, Format] = {
    format_.name: format_
    for format_ in (Jsonl(), Doccano(), Conll(), SpacyDocBin(), Hf(), Brat(), Csv())
}
