# 桌面应用外壳自己的话。
# The desktop shell's own words (its screens' words are in ui/src/lib/i18n.ts).

app-cannot-start = IDStation 无法启动：{ $error }

update-unavailable = 此版本不支持自动更新
update-check-failed = 检查更新失败：{ $error }
update-none = 没有可安装的更新
update-busy-syncing = 正在同步，同步完成后再安装更新
update-install-failed = 安装更新失败：{ $error }

# 系统文件对话框（choose_path）。
dialog-backup-title = 保存数据备份
dialog-restore-title = 选择要恢复的备份
dialog-backup-filter = IDStation 备份
dialog-data-dir-title = 选择数据文件夹
dialog-hot-folder-title = 选择要监视导入文件的文件夹
dialog-hot-sample-title = 选择一个样本文件以检查各列
dialog-hot-sample-filter = 表格（CSV、Excel、JSON）
dialog-attachment-title = 选择附件（营业执照、证件照片、授权书等）
dialog-report-folder-title = 选择保存报告 PDF 和 CSV 的文件夹
dialog-attachment-filter = 图片或 PDF（JPG、PNG、PDF，最大 10 MB）
