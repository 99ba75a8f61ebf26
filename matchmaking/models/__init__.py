"""ORM models, one table a file."""

from matchmaking.models.achievement import Achievement
from matchmaking.models.agreement import CooperationAgreement
from matchmaking.models.api_token import ApiToken
from matchmaking.models.audit import AuditLog
from matchmaking.models.base import Base
from matchmaking.models.docking import Docking, DockingEvent
from matchmaking.models.embedding import Embedding, IndexChange
from matchmaking.models.expert import Expert
from matchmaking.models.feedback import Feedback
from matchmaking.models.idempotency_key import IdempotencyKey
from matchmaking.models.login_attempt import LoginAttempt
from matchmaking.models.need import Need
from matchmaking.models.notification import Notification
from matchmaking.models.organization import Organization
from matchmaking.models.tech_contract import ContractPayment, TechContract, TechContractEvent
from matchmaking.models.town import Town
from matchmaking.models.user import User
from matchmaking.models.visit import (
    AssignmentRun,
    Campaign,
    CampaignEvent,
    CampaignExpert,
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    FollowUp,
    VisitAssignment,
)
from matchmaking.models.worker_heartbeat import WorkerHeartbeat

__all__ = [
    "AssignmentRun",
    "Campaign",
    "CampaignEvent",
    "CampaignExpert",
    "DiagnosisNeed",
    "DiagnosisRecord",
    "DiagnosisRequest",
    "FollowUp",
    "VisitAssignment",
    "Achievement",
    "ApiToken",
    "AuditLog",
    "Base",
    "ContractPayment",
    "CooperationAgreement",
    "Docking",
    "DockingEvent",
    "Embedding",
    "Expert",
    "Feedback",
    "IdempotencyKey",
    "IndexChange",
    "LoginAttempt",
    "Need",
    "Notification",
    "Organization",
    "TechContract",
    "TechContractEvent",
    "Town",
    "User",
    "WorkerHeartbeat",
]
