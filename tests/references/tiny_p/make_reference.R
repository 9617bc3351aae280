# Reference values for issue 22's p-value fixes (tests/test_comparisons.py), computed by R;
# R is never run by the tests or the pipeline.
#
#   Rscript tests/references/tiny_p/make_reference.R   # writes reference.csv beside it
#
# Made with R 4.2.2 and survey 4.1.1 (svychisq, svyranktest), stats (fisher.test).
#
# 1. p-values far below 1e-16 (stored as 0.0 when computed as 1 - CDF). NHANES II
#    (data/examples/nhanes2/nhanes2.csv, real data), the design of its codebook:
#    svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE).
#    Its strata are numbered geographically, so a variable built from real data,
#    shalf = (stratid >= 16), is strongly associated with the census region:
#    svychisq(~region + shalf) has p about 2e-30. svyranktest(zinc ~ zhi), zhi =
#    (zinc >= 90), real values again: p about 1.6e-41.
# 2. Monte Carlo p-values, R's fisher.test(simulate.p.value = TRUE, B = 10000): p =
#    (1 + tables at most as probable as the observed) / (B + 1). On the ANES 1996 tables
#    the pipeline tests by Monte Carlo (data/processed/anes96/responses.csv; rows: the
#    group's levels, columns: the answers): where no drawn table is as extreme, p is
#    exactly 1 / 10001 whatever the seed.
#
# Columns: kind (svychisq_F, svychisq_Chisq, svyranktest, fisher_mc), survey, question,
# group, statistic, df, ddf, p, B (tables drawn), table (counts; rows ";", cells ",").
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
root <- normalizePath(file.path(here, "..", "..", ".."))
rows <- list()
put <- function(...) rows[[length(rows) + 1]] <<- data.frame(..., stringsAsFactors = FALSE)

d <- read.csv(file.path(root, "data/examples/nhanes2/nhanes2.csv"))
d$shalf <- as.integer(d$stratid >= 16)
d$zhi <- factor(as.integer(d$zinc >= 90))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
f <- svychisq(~region + shalf, des, statistic = "F")
put(kind = "svychisq_F", survey = "nhanes2", question = "region", group = "shalf",
    statistic = unname(f$statistic), df = unname(f$parameter[1]), ddf = unname(f$parameter[2]),
    p = f$p.value, B = NA, table = "")
c1 <- svychisq(~region + shalf, des, statistic = "Chisq")
put(kind = "svychisq_Chisq", survey = "nhanes2", question = "region", group = "shalf",
    statistic = unname(c1$statistic), df = unname(c1$parameter[1]), ddf = NA,
    p = c1$p.value, B = NA, table = "")
r <- svyranktest(zinc ~ zhi, subset(des, !is.na(zinc)), test = "KruskalWallis")
put(kind = "svyranktest", survey = "nhanes2", question = "zinc", group = "zhi",
    statistic = unname(r$statistic), df = unname(r$parameter), ddf = NA, p = r$p.value,
    B = NA, table = "")

anes <- read.csv(file.path(root, "data/processed/anes96/responses.csv"),
                 colClasses = "character", na.strings = "")
cells <- function(x) paste(apply(x, 1, paste, collapse = ","), collapse = ";")
set.seed(22)
for (pair in list(c("pid", "education"), c("self_lr", "party"), c("self_lr", "education"),
                  c("clinton_lr", "party"), c("clinton_lr", "education"),
                  c("dole_lr", "party"), c("dole_lr", "education"),
                  c("income", "party"), c("income", "education"))) {
  keep <- !is.na(anes[[pair[1]]]) & !is.na(anes[[pair[2]]])
  lv <- function(v) factor(v, levels = unique(sort(as.numeric(v))))
  x <- table(lv(anes[[pair[2]]][keep]), lv(anes[[pair[1]]][keep]))
  x <- x[rowSums(x) > 0, colSums(x) > 0, drop = FALSE]
  t <- fisher.test(x, simulate.p.value = TRUE, B = 10000)
  put(kind = "fisher_mc", survey = "anes96", question = pair[1], group = pair[2],
      statistic = NA, df = (nrow(x) - 1) * (ncol(x) - 1), ddf = NA, p = t$p.value, B = 10000,
      table = cells(x))
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE)
