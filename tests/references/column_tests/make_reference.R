# Reference values of the column tests of a weighted survey (tests/test_column_tests.py):
# NHANES II as shipped (data/examples/nhanes2/nhanes2.csv, U.S. public domain), its design
# as the codebook declares it (strata stratid, PSUs psuid, weights finalwgt). For each
# yes/no or single-answer question, each answer code k and each pair of race groups (a, b):
# the difference of the domain shares of x == k (among those with an answer) with its
# design-based SE, by svyby(covmat = TRUE) and svycontrast, its t statistic, the two-sided
# p-value on degf(design) and the Bonferroni-adjusted p over the answer row's pairs.
# Run from the repository root:  Rscript tests/references/column_tests/make_reference.R
library(survey)
d <- read.csv("data/examples/nhanes2/nhanes2.csv")
des <- svydesign(ids = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
df <- degf(des)
rows <- list()
for (x in c("highbp", "diabetes", "highlead", "region")) {
  for (k in sort(unique(na.omit(d[[x]])))) {
    des$variables$ind <- as.numeric(des$variables[[x]] == k)
    by <- svyby(~ind, ~race, subset(des, !is.na(ind)), svymean, covmat = TRUE)
    lv <- as.character(by$race)
    pairs <- combn(seq_along(lv), 2)
    found <- data.frame()
    for (c in seq_len(ncol(pairs))) {
      a <- lv[pairs[1, c]]
      b <- lv[pairs[2, c]]
      con <- svycontrast(by, setNames(c(1, -1), c(a, b)))
      est <- as.numeric(coef(con))
      se <- as.numeric(SE(con))
      t <- est / se
      found <- rbind(found, data.frame(
        question = x, group = "race", answer = as.character(k), a = a, b = b,
        diff = est, se = se, t = t, p = 2 * pt(-abs(t), df)
      ))
    }
    found$p_bonferroni <- p.adjust(found$p, method = "bonferroni")
    found$p_holm <- p.adjust(found$p, method = "holm")
    rows[[length(rows) + 1]] <- found
  }
}
out <- do.call(rbind, rows)
write.csv(out, "tests/references/column_tests/nhanes2_race.csv", row.names = FALSE)
cat(sprintf("%d pairs written; design df %d; R %s, survey %s\n", nrow(out), df,
            R.version.string, as.character(packageVersion("survey"))))
