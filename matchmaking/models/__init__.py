"""ORM models, one table a file."""

from matchmaking.models.achievement import Achievement
from matchmaking.models.agreement import CooperationAgreement
from matchmaking.models.api_token import ApiToken
from matchmaking.models.attachment import Attachment
from matchmaking.models.audit import AuditLog
from matchmaking.models.base import Base
from matchmaking.models.contest import ContestBonus, ContestRules
from matchmaking.models.delivery import Delivery, OutboundPreference
from matchmaking.models.docking import Docking, DockingEvent
from matchmaking.models.embedding import Embedding, IndexChange
from matchmaking.models.event import Event, EventLog, EventSession, EventSlot
from matchmaking.models.event_registration import Registration, Wish
from matchmaking.models.expert import Expert
from matchmaking.models.feedback import Feedback
from matchmaking.models.idempotency_key import IdempotencyKey
from matchmaking.models.import_job import ImportJob
from matchmaking.models.kpi import KpiTarget, MonthlyReport, TableVersion
from matchmaking.models.login_attempt import LoginAttempt
from matchmaking.models.meeting_request import MeetingRequest
from matchmaking.models.need import Need
from matchmaking.models.notification import Notification
from matchmaking.models.organization import Organization
from matchmaking.models.schedule import ScheduledMeeting, ScheduleRun
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
    "Wish",
    "ScheduledMeeting",
    "ScheduleRun",
    "Registration",
    "EventSlot",
    "EventSession",
    "EventLog",
    "Event",
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
    "Attachment",
    "AuditLog",
    "Base",
    "ContestBonus",
    "ContestRules",
    "ContractPayment",
    "Delivery",
    "OutboundPreference",
    "CooperationAgreement",
    "Docking",
    "DockingEvent",
    "Embedding",
    "Expert",
    "Feedback",
    "IdempotencyKey",
    "ImportJob",
    "IndexChange",
    "KpiTarget",
    "LoginAttempt",
    "MeetingRequest",
    "MonthlyReport",
    "TableVersion",
    "Need",
    "Notification",
    "Organization",
    "TechContract",
    "TechContractEvent",
    "Town",
    "User",
    "WorkerHeartbeat",
]
