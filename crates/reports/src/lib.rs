//! The monthly operating report (二级节点系统运行月度报告): figures, charts, PDF and CSV.
