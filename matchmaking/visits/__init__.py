"""Expert clinic visits (技术专家巡诊)."""
