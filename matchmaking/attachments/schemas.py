from __future__ import annotations

from pydantic import BaseModel, Field

from matchmaking.common.schemas import UtcDateTime
from matchmaking.enums import AttachmentKind, AttachmentOwner


class AttachmentRead(BaseModel):
    id: int
    owner_kind: AttachmentOwner
    owner_label: str = Field(description="所属：合作协议、技术合同或到账记录")
    owner_id: int
    kind: AttachmentKind
    kind_label: str
    filename: str = Field(description="上传时的文件名（已去除路径和控制字符）")
    content_type: str = Field(description="按文件内容识别的类型")
    type_label: str = Field(description="PDF、JPG、PNG、DOCX 或 XLSX")
    size: int = Field(description="字节数")
    size_text: str = Field(description="大小，如 “356 KB”“2.4 MB”")
    sha256: str
    uploaded_by_name: str
    uploaded_at: UtcDateTime
