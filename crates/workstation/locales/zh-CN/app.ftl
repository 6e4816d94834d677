# 桌面应用外壳自己的话。
# The desktop shell's own words (its screens' words are in ui/src/lib/i18n.ts).

app-cannot-start = IDStation 无法启动：{ $error }
