"""Files uploaded to agreements, contracts and payments (scans, 登记证明, 到账凭证)."""
