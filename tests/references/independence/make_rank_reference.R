# Reference values for the tests of a numeric question across groups of
# helpers.summarize.comparisons (rank tests), computed by R; tests/test_comparisons.py
# compares the pipeline's with them. R is never run by the tests or the pipeline.
#
#   Rscript tests/references/independence/make_rank_reference.R   # writes rank_reference.csv
#
# Made with R 4.2.2 (stats: kruskal.test) and survey 4.1.1 (svyranktest, its default
# Kruskal-Wallis scores). Inputs: data/processed/anes96/responses.csv (the committed
# hand-off of the ANES 1996 export) and data/examples/nhanes2/nhanes2.csv.
#
# Columns of rank_reference.csv:
#   kind        kruskal (kruskal.test(value ~ factor(group)), ties corrected) or
#               svyranktest (svyranktest(value ~ factor(group), design): t for two groups,
#               F for more, referred to F(ndf, ddf))
#   survey, question, group   the comparison (the pipeline's <question>.<group>.test.*);
#               subset: "race!=3" when the design was built on those rows only
#   statistic, df, ddf, p, n  statistic, its df (t's, or F's numerator), ddf (F's
#               denominator), p-value, respondents with both values
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
root <- normalizePath(file.path(here, "..", "..", ".."))
rows <- list()
put <- function(...) rows[[length(rows) + 1]] <<- data.frame(..., stringsAsFactors = FALSE)

anes <- read.csv(file.path(root, "data/processed/anes96/responses.csv"),
                 colClasses = "character", na.strings = "")
for (q in c("age", "tv_news", "popul")) {
  for (g in c("party", "education", "vote")) {
    keep <- !is.na(anes[[q]]) & !is.na(anes[[g]])
    t <- kruskal.test(as.numeric(anes[[q]][keep]), factor(anes[[g]][keep]))
    put(kind = "kruskal", survey = "anes96", question = q, group = g, subset = "",
        statistic = unname(t$statistic), df = unname(t$parameter), ddf = NA, p = t$p.value,
        n = sum(keep))
  }
}

d <- read.csv(file.path(root, "data/examples/nhanes2/nhanes2.csv"))
ranktest <- function(data, subset) {
  des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE,
                   data = data)
  t <- svyranktest(zinc ~ factor(race), des)
  two <- names(t$statistic) == "t"
  # For more than two groups this version stores ndf as "statistic" and ndf * F as
  # "parameter" (named Chisq); the p-value is pf(Chisq / ndf, ndf, degf(design) - ndf).
  ndf <- if (two) 1 else unname(t$statistic)
  put(kind = "svyranktest", survey = "nhanes2", question = "zinc", group = "race",
      subset = subset, statistic = if (two) unname(t$statistic) else t$parameter[1] / ndf,
      df = if (two) unname(t$parameter) else ndf, ddf = if (two) NA else degf(des) - ndf,
      p = as.numeric(t$p.value), n = sum(!is.na(data$zinc) & !is.na(data$race)))
}
ranktest(d, "")
ranktest(d[d$race != 3, ], "race!=3")
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "rank_reference.csv"), row.names = FALSE, na = "")
cat("wrote", nrow(out), "rows to", file.path(here, "rank_reference.csv"), "\n")
