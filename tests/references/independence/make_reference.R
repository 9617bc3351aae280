# Reference values for the group comparisons (tests of independence) of
# helpers.summarize.comparisons, computed by R; tests/test_comparisons.py compares the
# pipeline's with them. R is never run by the tests or the pipeline.
#
#   Rscript tests/references/independence/make_reference.R   # writes reference.csv beside it
#
# Made with R 4.2.2 (stats: fisher.test, chisq.test, p.adjust) and survey 4.1.1
# (svychisq). Inputs: the committed respondent tables data/processed/<survey>/responses.csv
# (oas_2013, invented_example, anes96) and data/examples/nhanes2/nhanes2.csv. Each table
# is table(group, answer) over the respondents with both (R drops missing values and, for
# character vectors, has no empty row or column), answers and groups as the codebooks code
# them; no codebook of these has answers excluded from the base.
#
# Columns of reference.csv:
#   kind        fisher (fisher.test(x)$p.value, exact: all tables enumerated by FEXACT),
#               pearson (chisq.test(x, correct = FALSE)), p_adjust (p.adjust(p, method)),
#               svychisq_F / svychisq_Chisq (svychisq(~group + answer, design,
#               statistic = "F" / "Chisq"))
#   survey, question, group   the comparison (the pipeline's <question>.<group>.test.*)
#   table       the counts, rows (group levels) separated by ";", cells by ","
#   statistic, df, ddf, p     the test's statistic (X-squared, F), df (ndf), ddf (F's
#               denominator df) and p-value; p_adjust: p is the input, statistic the
#               adjusted value, group the method ("holm", "BH"), df the position
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
root <- normalizePath(file.path(here, "..", "..", ".."))
rows <- list()
put <- function(...) rows[[length(rows) + 1]] <<- data.frame(..., stringsAsFactors = FALSE)
cells <- function(x) paste(apply(x, 1, paste, collapse = ","), collapse = ";")
read <- function(survey) {
  read.csv(file.path(root, "data/processed", survey, "responses.csv"),
           colClasses = "character", na.strings = "")
}
tab <- function(d, group, question) {
  keep <- !is.na(d[[group]]) & !is.na(d[[question]])
  table(d[[group]][keep], d[[question]][keep])
}
fisher_ref <- function(survey, d, question, group, workspace = 2e8) {
  x <- tab(d, group, question)
  p <- fisher.test(x, workspace = workspace)$p.value
  put(kind = "fisher", survey = survey, question = question, group = group, table = cells(x),
      statistic = NA, df = (nrow(x) - 1) * (ncol(x) - 1), ddf = NA, p = p)
  p
}
pearson_ref <- function(survey, d, question, group) {
  x <- tab(d, group, question)
  t <- suppressWarnings(chisq.test(x, correct = FALSE))
  put(kind = "pearson", survey = survey, question = question, group = group, table = cells(x),
      statistic = unname(t$statistic), df = unname(t$parameter), ddf = NA, p = t$p.value)
  t$p.value
}

# The 2013 survey (15 respondents): every comparison is exact
oas <- read("oas_2013")
ps <- c()
for (pair in list(c("q1", "oas_registered"), c("q1", "country"), c("q2", "oas_registered"),
                  c("q2", "country"), c("q2", "q1"))) {
  ps <- c(ps, fisher_ref("oas_2013", oas, pair[1], pair[2]))
}
# The INVENTED example: small tables, exact; q2 by region (5 x 5, n = 54) is beyond the
# pipeline's enumeration cap (its Monte Carlo p-value is checked against this exact one)
inv <- read("invented_example")
for (pair in list(c("q1", "region"), c("q1", "org_type"), c("q2", "q1"), c("q2", "region"))) {
  ps <- c(ps, fisher_ref("invented_example", inv, pair[1], pair[2]))
}
# ANES 1996 (944 respondents): Pearson on the larger tables (every expected count >= 5)
anes <- read("anes96")
anes$party3 <- ifelse(anes$pid %in% c("0", "1", "2"), "dem",
                      ifelse(anes$pid == "3", "ind", ifelse(is.na(anes$pid), NA, "rep")))
for (pair in list(c("vote", "party"), c("vote", "education"), c("vote", "party3"),
                  c("vote", "self_lr"))) {
  ps <- c(ps, pearson_ref("anes96", anes, pair[1], pair[2]))
}
# and the exact test of one of them (2 x 7, n = 944: enumerable), against the pipeline's
invisible(fisher_ref("anes96", anes, "vote", "education"))

# p.adjust on the p-values above (one family)
for (method in c("holm", "BH")) {
  adj <- p.adjust(ps, method = method)
  for (i in seq_along(ps)) {
    put(kind = "p_adjust", survey = "", question = "", group = method, table = "",
        statistic = adj[i], df = i, ddf = NA, p = ps[i])
  }
}

# NHANES II, weighted: svychisq for each pair the codebook breaks down (by race)
d <- read.csv(file.path(root, "data/examples/nhanes2/nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
for (q in c("highbp", "diabetes", "highlead", "region")) {
  f <- as.formula(paste0("~race+", q))
  for (statistic in c("F", "Chisq")) {
    t <- svychisq(f, des, statistic = statistic)
    put(kind = paste0("svychisq_", statistic), survey = "nhanes2", question = q, group = "race",
        table = cells(table(d$race, d[[q]])), statistic = unname(t$statistic),
        df = unname(t$parameter[1]),
        ddf = if (statistic == "F") unname(t$parameter[2]) else NA, p = t$p.value)
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE, na = "")
cat("wrote", nrow(out), "rows to", file.path(here, "reference.csv"), "\n")
