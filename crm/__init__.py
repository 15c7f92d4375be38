"""企业客户关系管理系统 — the CRM project package: settings, URLs, console entry point and domain apps."""
