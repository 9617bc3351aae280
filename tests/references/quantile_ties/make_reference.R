# R survey's weighted quantiles (svyquantile, qrule = "math") at exact ties: INVENTED
# equal-weight samples x = 3, 6, ..., 3n with every weight w, where n p is a whole number
# and the weighted CDF at the quantile is exactly p in exact arithmetic. Floating point
# decides whether a cumulative share is found equal to p; R's own arithmetic is the
# reference (Debian r-cran-survey; R is never run by the pipeline or its tests).
#
#   Rscript tests/references/quantile_ties/make_reference.R   # writes reference.csv beside it
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
rows <- list()
for (w in c(0.1, 0.3, 0.7, 1.7, 3.3, 7.1, 13.37, 44.21, 1/3, 2/3)) {
  for (n in c(6, 10, 12, 20, 30, 40, 100)) {
    d <- data.frame(x = (1:n) * 3, w = rep(w, n))
    des <- svydesign(id = ~1, weights = ~w, data = d)
    for (p in c(0.25, 0.5, 0.75)) {
      q <- svyquantile(~x, des, p, qrule = "math", ci = FALSE)
      rows[[length(rows) + 1]] <- data.frame(w = sprintf("%.17g", w), n = n, p = p,
                                             quantile = unname(q$x[1]))
    }
  }
}
write.csv(do.call(rbind, rows), file.path(here, "reference.csv"), row.names = FALSE)
