"""月度通报: monthly reports frozen when issued, and their .docx and .xlsx downloads."""
