"""The district's towns (区镇/街道/园区): organizations and staff scope refer to them."""
