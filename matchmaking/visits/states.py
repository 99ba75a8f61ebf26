"""The statuses of clinic visits (技术专家巡诊), with their Chinese labels."""

from __future__ import annotations

from matchmaking.enums import LabelledEnum, _labels


class CampaignStatus(LabelledEnum):
    DRAFT = "draft"
    PLANNING = "planning"
    PUBLISHED = "published"
    FINISHED = "finished"


_labels(
    CampaignStatus, DRAFT="草稿", PLANNING="征集与排班中", PUBLISHED="已发布安排", FINISHED="已结束"
)


class CampaignAction(LabelledEnum):
    OPEN = "open"
    PUBLISH = "publish"
    REOPEN = "reopen"
    FINISH = "finish"


_labels(CampaignAction, OPEN="开始征集", PUBLISH="发布安排", REOPEN="重新排班", FINISH="结束活动")


class InviteStatus(LabelledEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_labels(InviteStatus, INVITED="已邀请", ACCEPTED="已接受", DECLINED="已谢绝")


class RequestStatus(LabelledEnum):
    REQUESTED = "requested"
    CANCELLED = "cancelled"


_labels(RequestStatus, REQUESTED="已申请", CANCELLED="已取消")


class AssignmentStatus(LabelledEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_labels(AssignmentStatus, ASSIGNED="待专家确认", ACCEPTED="专家已接受", DECLINED="专家已谢绝")


class DraftStatus(LabelledEnum):
    DRAFTED = "drafted"
    PUBLISHED = "published"
    DISCARDED = "discarded"


_labels(DraftStatus, DRAFTED="待企业确认", PUBLISHED="已发布为需求", DISCARDED="已放弃")
