package dev.sdfarm.checkpoint.anatomy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises what a file is from its tensor names and shapes (and, for pickle-based files, the names of its
 * other top-level entries). Full models are told apart by their text encoders and by the UNet's input
 * channels, cross-attention width and size conditioning; single-component files by their naming schemes.
 */
public final class ModelFamilyDetector {
    private static final String UNET_INPUT = CheckpointKeys.UNET + "input_blocks.0.0.weight";
    private static final String UNET_LABEL_EMB = CheckpointKeys.UNET + "label_emb.0.0.weight";
    private static final List<String> KOHYA_PREFIXES = List.of("lora_unet_", "lora_te_", "lora_te1_", "lora_te2_");
    private static final Pattern HYPERNETWORK_LAYER = Pattern.compile("^(\\d+)\\.(\\d+)\\.linear\\.(\\d+)\\.(weight|bias)$");
    private static final Pattern SGM_EMBEDDER = Pattern.compile("^conditioner\\.embedders\\.(\\d+)\\.(transformer|model)\\.");

    private ModelFamilyDetector() {
    }

    public static ModelDescription detect(CheckpointListing listing) {
        if (listing.anyStartsWith(CheckpointKeys.UNET) || listing.anyStartsWith(CheckpointKeys.CONDITIONER)
                || listing.anyStartsWith(CheckpointKeys.COND_STAGE)) {
            return fullModel(listing);
        }
        return lora(listing)
                .or(() -> textualInversion(listing))
                .or(() -> hypernetwork(listing))
                .or(() -> vae(listing))
                .orElseGet(() -> unknown(listing));
    }

    // ---- full models -------------------------------------------------------------------------------------

    private static ModelDescription fullModel(CheckpointListing l) {
        List<String> evidence = new ArrayList<>();
        List<String> details = new ArrayList<>();
        OptionalLong inChannels = dim(l, UNET_INPUT, 4, 1);
        OptionalLong contextDim = l.first(CheckpointKeys.UNET, ".attn2.to_k.weight")
                .filter(t -> t.rank() == 2).map(t -> OptionalLong.of(t.dim(1))).orElse(OptionalLong.empty());
        OptionalLong admChannels = dim(l, UNET_LABEL_EMB, 2, 1);
        contextDim.ifPresent(c -> evidence.add("UNet cross-attention reads " + c + "-wide text states"));

        ModelFamily family;
        if (l.anyStartsWith(CheckpointKeys.CONDITIONER) || admChannels.isPresent()) {
            family = sdxl(l, admChannels, contextDim, evidence);
        } else {
            family = ldm(l, contextDim, evidence);
            if (inChannels.isPresent() && inChannels.getAsLong() == 9) {
                family = family == ModelFamily.SD2 ? ModelFamily.SD2_INPAINTING : ModelFamily.SD1_INPAINTING;
                evidence.add(UNET_INPUT + " has 9 input channels (latent, mask, masked image): inpainting");
            }
        }
        boolean inpainting = family == ModelFamily.SD1_INPAINTING || family == ModelFamily.SD2_INPAINTING;
        if (inChannels.isPresent() && inChannels.getAsLong() != 4 && !inpainting) {
            // SDXL inpainting (9), SD2 depth (5), instruct-pix2pix (8): no family of their own
            details.add("UNet has " + inChannels.getAsLong() + " input channels");
            evidence.add(UNET_INPUT + " has " + inChannels.getAsLong() + " input channels, not 4");
        }
        if (!l.anyStartsWith(CheckpointKeys.UNET)) {
            details.add("no UNet");
        }
        if (!l.anyStartsWith(CheckpointKeys.COND_STAGE) && !l.anyStartsWith(CheckpointKeys.CONDITIONER)) {
            details.add("no text encoder");
        }
        if (!l.anyStartsWith(CheckpointKeys.VAE)) {
            details.add("no VAE");
        }
        if (l.contains(EmaKeys.NUM_UPDATES) || l.anyStartsWith(EmaKeys.PREFIX + "diffusion_model")) {
            details.add("with EMA weights");
            evidence.add("model_ema.* holds an EMA copy of the UNet");
        }
        if (l.names().stream().anyMatch(LegacyTextEncoderKeys::isLegacy)) {
            details.add("old text-encoder key names");
            evidence.add("text encoder keys lack the text_model. level (cond_stage_model.transformer.encoder.*)");
        }
        return new ModelDescription(family, String.join(", ", details), evidence);
    }

    private static ModelFamily sdxl(CheckpointListing l, OptionalLong adm, OptionalLong context, List<String> ev) {
        Set<Integer> clip = new TreeSet<>();
        Set<Integer> openClip = new TreeSet<>();
        for (String name : l.names()) {
            Matcher m = SGM_EMBEDDER.matcher(name);
            if (m.find()) {
                (m.group(2).equals("transformer") ? clip : openClip).add(Integer.parseInt(m.group(1)));
            }
        }
        for (int i : clip) {
            ev.add(CheckpointKeys.sgmClipEmbedder(i) + " holds a Hugging Face CLIP text model (CLIP ViT-L)");
        }
        for (int i : openClip) {
            ev.add(CheckpointKeys.sgmOpenClipEmbedder(i) + " holds an OpenCLIP text model");
        }
        adm.ifPresent(a -> ev.add("UNet label_emb takes a " + a + "-wide vector: sgm size conditioning"));
        if (!clip.isEmpty() || openClip.stream().anyMatch(i -> i > 0)) {
            ev.add("SDXL base pairs CLIP ViT-L with OpenCLIP bigG");
            return ModelFamily.SDXL_BASE;
        }
        if (!openClip.isEmpty()) {
            ev.add("only one OpenCLIP embedder and no CLIP ViT-L: the SDXL refiner");
            return ModelFamily.SDXL_REFINER;
        }
        // no text encoder stored: the UNet's conditioning widths differ between base and refiner
        if ((adm.isPresent() && adm.getAsLong() == 2560) || (context.isPresent() && context.getAsLong() == 1280)) {
            ev.add("a 2560-wide size vector and 1280-wide text states are the refiner's");
            return ModelFamily.SDXL_REFINER;
        }
        return ModelFamily.SDXL_BASE;
    }

    private static ModelFamily ldm(CheckpointListing l, OptionalLong context, List<String> ev) {
        if (l.anyStartsWith(CheckpointKeys.SD2_TEXT_ENCODER)) {
            ev.add(CheckpointKeys.SD2_TEXT_ENCODER + " holds an OpenCLIP text model (SD2's ViT-H)");
            return ModelFamily.SD2;
        }
        if (l.anyStartsWith(CheckpointKeys.SD1_TEXT_ENCODER)) {
            ev.add(CheckpointKeys.SD1_TEXT_ENCODER + " holds a Hugging Face CLIP text model (SD1's ViT-L)");
            return ModelFamily.SD1;
        }
        if (context.isPresent() && (context.getAsLong() == 768 || context.getAsLong() == 1024)) {
            ev.add("768-wide text states are SD1's CLIP ViT-L, 1024-wide SD2's OpenCLIP ViT-H");
            return context.getAsLong() == 1024 ? ModelFamily.SD2 : ModelFamily.SD1;
        }
        Optional<TensorInfo> projIn = l.first(CheckpointKeys.UNET, ".proj_in.weight");
        if (projIn.isPresent() && projIn.get().rank() == 2) {
            ev.add("transformer projections are linear layers, as in SD2 (SD1 uses 1x1 convolutions)");
            return ModelFamily.SD2;
        }
        ev.add("LDM UNet under " + CheckpointKeys.UNET + " without SD2 traits: taken as SD1");
        return ModelFamily.SD1;
    }

    // ---- single-component files --------------------------------------------------------------------------

    private static Optional<ModelDescription> lora(CheckpointListing l) {
        long kohya = l.names().stream().filter(n -> KOHYA_PREFIXES.stream().anyMatch(n::startsWith)).count();
        long peft = l.names().stream().filter(n -> n.contains(".lora_A.") || n.contains(".lora_B.")).count();
        long diffusers = l.names().stream().filter(n -> n.endsWith(".lora.down.weight") || n.endsWith(".lora.up.weight")
                || n.endsWith("_lora.down.weight") || n.endsWith("_lora.up.weight")
                || n.contains(".lora_linear_layer.")).count();
        if (kohya == 0 && peft == 0 && diffusers == 0) {
            return Optional.empty();
        }
        List<String> evidence = new ArrayList<>();
        List<String> details = new ArrayList<>();
        if (kohya > 0) {
            evidence.add(kohya + " keys use kohya prefixes (lora_unet_*, lora_te_*, lora_te1_*, lora_te2_*)");
            details.add(kohyaFlavour(l, evidence));
            if (l.anyStartsWith("lora_te1_") || l.anyStartsWith("lora_te2_")) {
                details.add("for SDXL");
                evidence.add("two text encoders (lora_te1_, lora_te2_): SDXL");
            } else {
                l.first("lora_te_", ".lora_down.weight").filter(t -> t.rank() == 2).ifPresent(t -> {
                    long width = t.dim(1);
                    if (width == 768 || width == 1024) {
                        details.add(width == 768 ? "for SD1.x" : "for SD2.x");
                        evidence.add(t.name() + " reads " + width + "-wide text states");
                    }
                });
            }
        } else if (peft > 0) {
            evidence.add(peft + " keys are PEFT/diffusers low-rank pairs (*.lora_A.weight, *.lora_B.weight)");
            details.add("PEFT/diffusers");
        } else {
            evidence.add(diffusers + " keys are diffusers attention-processor LoRA pairs (*.lora.down.weight)");
            details.add("diffusers attention processors");
        }
        return Optional.of(new ModelDescription(ModelFamily.LORA, String.join(", ", details), evidence));
    }

    private static String kohyaFlavour(CheckpointListing l, List<String> evidence) {
        record Flavour(String marker, String name) {
        }
        List<Flavour> flavours = List.of(
                new Flavour(".hada_w1_a", "LyCORIS LoHa"),
                new Flavour(".lokr_w1", "LyCORIS LoKr"),
                new Flavour(".on_input", "LyCORIS (IA)^3"),
                new Flavour(".a1.weight", "LyCORIS GLoRA"),
                new Flavour(".diff", "LyCORIS full (diff)"),
                new Flavour(".lora_mid.weight", "LyCORIS LoCon"),
                new Flavour(".dora_scale", "DoRA"));
        for (Flavour f : flavours) {
            Optional<String> hit = l.names().stream().filter(n -> n.contains(f.marker())).findFirst();
            if (hit.isPresent()) {
                evidence.add(hit.get() + " is a " + f.name() + " tensor");
                return f.name();
            }
        }
        l.names().stream().filter(n -> n.endsWith(".lora_down.weight")).findFirst()
                .ifPresent(n -> evidence.add(n + " is a kohya down projection"));
        return "kohya";
    }

    private static Optional<ModelDescription> textualInversion(CheckpointListing l) {
        List<String> evidence = new ArrayList<>();
        String format;
        Optional<TensorInfo> vectors;
        if (l.anyStartsWith("string_to_param.") || l.nonTensorEntries().contains("string_to_param")) {
            format = "A1111 .pt";
            evidence.add("string_to_param holds the learned vectors (A1111 / LDM embedding .pt)");
            vectors = l.first("string_to_param.", "");
        } else if (l.contains("emb_params")) {
            format = "A1111 safetensors";
            evidence.add("emb_params holds the learned vectors (A1111 embedding .safetensors)");
            vectors = l.tensor("emb_params");
        } else if (l.contains("clip_l") && l.contains("clip_g")) {
            format = "clip_l + clip_g";
            evidence.add("clip_l and clip_g hold vectors for SDXL's two text encoders");
            return Optional.of(new ModelDescription(ModelFamily.TEXTUAL_INVERSION,
                    format + vectorCount(l.tensor("clip_l")) + ", for SDXL", evidence));
        } else if (l.size() == 1 && isLoneEmbedding(l.tensors().iterator().next())) {
            format = "diffusers learned_embeds";
            TensorInfo t = l.tensors().iterator().next();
            evidence.add("the only tensor, " + t.name() + ", is one token's embedding");
            vectors = Optional.of(t);
        } else {
            return Optional.empty();
        }
        String base = vectors.filter(t -> t.rank() >= 1).map(t -> switch ((int) t.dim(t.rank() - 1)) {
            case 768 -> ", for SD1.x";
            case 1024 -> ", for SD2.x";
            default -> "";
        }).orElse("");
        if (l.nonTensorEntries().contains("string_to_token")) {
            evidence.add("string_to_token maps the placeholder to a token id");
        }
        return Optional.of(new ModelDescription(ModelFamily.TEXTUAL_INVERSION,
                format + vectorCount(vectors) + base, evidence));
    }

    private static String vectorCount(Optional<TensorInfo> vectors) {
        return vectors.filter(t -> t.rank() == 2).map(t -> ", " + t.dim(0) + (t.dim(0) == 1 ? " vector" : " vectors"))
                .orElse("");
    }

    private static boolean isLoneEmbedding(TensorInfo t) {
        if (t.rank() < 1 || t.rank() > 2 || t.name().contains(".")) {
            return false;
        }
        long width = t.dim(t.rank() - 1);
        return width == 768 || width == 1024;
    }

    private static Optional<ModelDescription> hypernetwork(CheckpointListing l) {
        Set<String> widths = new TreeSet<>((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
        for (String n : l.names()) {
            Matcher m = HYPERNETWORK_LAYER.matcher(n);
            if (m.matches()) {
                widths.add(m.group(1));
            }
        }
        Set<String> markers = new LinkedHashSet<>(l.nonTensorEntries());
        markers.retainAll(List.of("layer_structure", "activation_func"));
        if (widths.isEmpty() && markers.size() < 2) {
            return Optional.empty();
        }
        List<String> evidence = new ArrayList<>();
        if (!widths.isEmpty()) {
            evidence.add("tensors <width>.<module>.linear.<n>.weight for widths " + String.join(", ", widths)
                    + " (A1111 hypernetwork layers per attention width)");
        }
        if (!markers.isEmpty()) {
            evidence.add("non-tensor entries " + String.join(", ", markers) + " describe the hypernetwork");
        }
        String detail = widths.isEmpty() ? "" : "widths " + String.join(", ", widths);
        return Optional.of(new ModelDescription(ModelFamily.HYPERNETWORK, detail, evidence));
    }

    private static Optional<ModelDescription> vae(CheckpointListing l) {
        boolean prefixed = l.anyStartsWith(CheckpointKeys.VAE);
        String root = prefixed ? CheckpointKeys.VAE : "";
        if (!l.contains(root + "encoder.conv_in.weight") && !l.contains(root + "decoder.conv_in.weight")) {
            return Optional.empty();
        }
        for (String n : l.names()) {
            if (!Component.isAutoencoderKey(n) && !JunkKeys.isJunk(n, ModelFamily.VAE) && !EmaKeys.isEmaKey(n)) {
                return Optional.empty();
            }
        }
        List<String> evidence = new ArrayList<>();
        List<String> details = new ArrayList<>();
        evidence.add("only autoencoder modules (" + root + "encoder.*, " + root + "decoder.*, quant convolutions)");
        if (prefixed) {
            details.add("with first_stage_model. prefix");
        }
        if (l.anyStartsWith(root + "encoder.down_blocks.") || l.anyStartsWith(root + "decoder.up_blocks.")) {
            details.add("diffusers naming");
            evidence.add("down_blocks/up_blocks are diffusers AutoencoderKL names");
        }
        if (!l.anyStartsWith(root + "encoder.")) {
            details.add("decoder only");
        }
        return Optional.of(new ModelDescription(ModelFamily.VAE, String.join(", ", details), evidence));
    }

    private static ModelDescription unknown(CheckpointListing l) {
        Set<String> roots = new LinkedHashSet<>();
        for (String n : l.names()) {
            int dot = n.indexOf('.');
            roots.add(dot < 0 ? n : n.substring(0, dot + 1) + "*");
            if (roots.size() == 6) {
                break;
            }
        }
        String seen = roots.isEmpty() ? "no tensors" : "top-level names: " + String.join(", ", roots);
        return new ModelDescription(ModelFamily.UNKNOWN, "",
                List.of("no Stable Diffusion, VAE, LoRA, embedding or hypernetwork naming; " + seen));
    }

    private static OptionalLong dim(CheckpointListing l, String key, int rank, int axis) {
        return l.tensor(key).filter(t -> t.rank() == rank).map(t -> OptionalLong.of(t.dim(axis)))
                .orElse(OptionalLong.empty());
    }
}
