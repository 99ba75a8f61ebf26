"""ORM models, one table a file."""

from matchmaking.models.achievement import Achievement
from matchmaking.models.base import Base
from matchmaking.models.embedding import Embedding, IndexChange
from matchmaking.models.expert import Expert
from matchmaking.models.need import Need
from matchmaking.models.organization import Organization

__all__ = ["Achievement", "Base", "Embedding", "Expert", "IndexChange", "Need", "Organization"]
