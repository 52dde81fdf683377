namespace FastDraft.Training;

/// <summary>The mean loss of one batch over its masked positions, and its parts.</summary>
/// <param name="Loss">The total: cross-entropy plus the KL weight times KL.</param>
/// <param name="CrossEntropy">Mean cross-entropy (nats per counted position).</param>
/// <param name="KullbackLeibler">Mean KL(teacher ‖ model) over the teacher's kept entries (0 without soft targets).</param>
/// <param name="CountedPositions">The number of positions the mask counts.</param>
internal readonly record struct LossParts(double Loss, double CrossEntropy, double KullbackLeibler, double CountedPositions);
