# The desktop shell's own words (its screens' words are in ui/src/lib/i18n.ts).

app-cannot-start = IDStation cannot start: { $error }
